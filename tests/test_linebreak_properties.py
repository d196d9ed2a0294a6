"""Properties of the line breaker on random Chinese text (cjk-rules.md §5, last row).

Random paragraphs of Han characters, Chinese punctuation (paired quotes and brackets, ——,
……), Latin words, numbers and spaces, at random measures of 3-40 em, in every punctuation
style. What must always hold:
- the lines' text joined is the input, except spaces dropped at a break;
- no glyph is drawn outside its line, x never goes backwards, justified lines end flush;
- —— and …… never split;
- no line starts with a never-at-start mark or ends with a never-at-end mark (cjk-rules §1)
  unless the breaker flagged an emergency;
- the last line is never a lone character (孤字, §4) when a better last line exists.

The exceptions are checked, not trusted: the test works out by itself (with a simple,
conservative rule the breaker does not share) when an emergency or a short last line is
avoidable, and then demands that the breaker avoided it.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from typeset.text.linebreak import BreakSettings, Span, SpecMetrics, set_paragraph

EM = 10.0
METRICS = SpecMetrics(EM)

HAN = "我们的是在了不和有大这主中人上为国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷洲冲射略范竟句室异激汉村哈策演简卡罪判担州静退既衣您宗积余痛检差富灵协角占配征修皮挥胜降阶审沉坚善妈刘读啊超免压银买皇养伊怀执副乱抗犯追帮宣佛岁航优怪香著田铁控税左右份穿艺背阵草脚概恶块顿敢守酒岛托央户烈洋哥索胡款靠评版宝座释景顾弟登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序升监临亮露永呼味野架域沙掉括舰鱼杂误湾吉减编楚肯测败屋跑梦散温困剑渐封救贵枪缺楼县尚毫移娘朋画班智亦耳恩短掌恐遗固席松秘谢鲁遇康虑幸均销钟诗藏赶剧票损忽巨炮旧端探湖录叶春乡附吸予礼港雨呀板庭妇归睛饭额含顺输摇招婚脱补谓督毒油疗旅泽材灭逐莫笔亡鲜词圣择寻厂睡博勒烟授诺伦岸奥唐卖俄炸载洛健堂旁宫喝借君禁阴园谋宋避抓荣姑孙逃牙束跳顶玉镇雪午练迫爷篇肉嘴馆遍凡础洞卷坦牛宁纸诸训私庄祖丝翻暴森塔默握戏隐熟骨访弱蒙歌店鬼软典欲萨伙遭盘爸扩盖弄雄稳忘亿刺拥徒姆杨齐赛趣曲刀床迎冰虚玩析窗醒妻透购替塞努休虎扬途侵刑绿兄迅套贸毕唯谷轮库迹尤竞街促延震弃甲伟麻川申缓潜闪售灯针哲络抵朱埃抱鼓植纯夏忍页杰筑折郑贝尊吴秀混臣雅振染盛怒舞圆搞狂措姓残秋培迷诚宽宇猛摆梅毁伸摩盟末乃悲拍丁赵硬麦蒋操耶阻订彩抽赞魔纷沿喊违妹浪汇币丰蓝殊献桌啦瓦莱援译夺汽烧距裁偏符勇触课敬哭懂墙袭召罚侠厅拜巧侧韩冒债曼融惯享戴童犹乘挂奖绍厚纵障讯涉彻刊丈爆乌役描洗玛患妙镜唱烦签仙彼弗症仿倾牌陷鸟轰咱菜闭奋庆撤泪茶疾缘播朗杜奶季丹狗尾仪偷奔珠虫驻孔宜艾桥淡翼恨繁寒伴叹旦愈潮粮缩罢聚径恰挑袋灰捕徐珍幕映裂泰隔启尖忠累炎暂估泛荒偿横拒瑞忆孤鼻闹羊呆厉衡胞零穷舍码赫婆魂灾洪腿胆津俗辩胸晓劲贫仁偶辑邦恢赖圈摸仰润堆碰艇稍迟辆废净凶署壁御奉旋冬矿抬蛋晨伏吹鸡倍糊秦盾杯租骑乏隆诊奴摄丧污渡旗甘耐凭扎抢绪粗肩梁幻菲皆碎宙叔岩荡综爬荷悉蒂返井壮薄悄扫敏碍殖详迪矛霍允幅撒剩凯颗骂赏液番箱贴漫酸郎腰舒眉忧浮辛恋餐吓挺励辞艘键伍峰尺昨黎辈贯侦滑券崇扰宪绕趋慈乔阅汗枝拖墨胁插箭腊粉泥氏彭拔骗凤慧媒佩愤扑龄驱惜豪掩兼跃尸肃帕驶堡届欣惠册储飘桑闲惨洁踪勃宾频仇磨递邪撞拟滚奏巡颜剂绩贡疯坡瞧截燃焦殿伪柳锁逼颇昏劝呈搜勤戒驾漂饮曹朵仔柔俩孟腐幼践籍牧凉牲佳娜浓芳稿竹腹跌逻垂遵脉貌柏狱猜怜惑陶兽帐饰贷昌叙躺钢沟寄扶铺邓寿惧询汤盗肥尝匆辉奈扣廷澳嘛董迁凝慰厌脏腾幽怨鞋丢埋泉涌辖躲晋紫艰魏吾慌祝邮吐狠鉴曰械咬邻赤挤弯椅陪割揭韦悟聪雾锋梯猫祥阔誉筹丛牵鸣沈阁穆屈旨袖猎臂蛇贺柱抛鼠瑟戈牢逊迈欺吨琴衰瓶恼燕仲诱狼池疼卢仗冠粒遥吕玄尘冯抚浅敦纠钻晶岂峡苍喷耗凌敲菌赔涂粹扁亏寂煤熊恭湿循暖糖赋抑秩帽哀宿踏烂袁侯抖夹昆肝擦猪炼恒慎搬纽纹玻渔磁铜齿跨押怖漠疲叛遣兹祭醉拳弥斜档稀捷肤疫肿豆削岗晃吞宏癌肚隶履涨耀扭坛拨沃绘伐堪仆郭牺歼墓雇廉契拼惩捉覆刷劫嫌瓜歇雕闷乳串娃缴唤赢莲霸桃妥瘦搭赴岳嘉舱俊址庞耕锐缝悔邀玲惟斥宅添挖呵讼氧浩羽斤酷掠妖祸侍乙妨贪挣汪尿莉悬唇翰仓轨枚盐览傅帅庙芬屏寺胖璃愚滴疏萧姿颤丑劣柯寸扔盯辱匹俱辨饿蜂哦腔郁溃谨糟葛苗肠忌溜鸿爵鹏鹰笼丘桂滋聊挡纲肌茨壳痕碗穴膀卓贤卧膜毅锦欠哩函茫昂薛皱夸豫胃舌剥傲拾窝睁携陵哼棉晴铃填饲渴吻扮逆脆喘罩卜炉柴愉绳胎蓄眠竭喂傻慕浑奸扇柜悦拦诞饱乾泡贼亭夕爹酬儒姻卵氛泄杆挨僧蜜吟猩遂狭肖甜霜揉狮仅疗"

HAN_SET = set(HAN)
# cjk-rules.md §1, literally
NEVER_START = set("，。、：；！？．”’）］｝〕】〗〉》」』-–—～〜·・/％‥…")
NEVER_END = set("“‘（［｛〔【〖〈《「『￥＄￡")

han = st.sampled_from(HAN)
hans = st.text(alphabet=HAN, min_size=1, max_size=4)
word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1,
               max_size=8)
number = st.builds(lambda d, u: d + u, st.text(alphabet="0123456789", min_size=1, max_size=5),
                   st.sampled_from(["", "", "%", ".5", "m²"]))
token = st.one_of(
    han, han, han, han, han, han,
    st.sampled_from(list("，。、：；！？·")),
    st.sampled_from(["——", "……", "？！", "。”", "”，"]),
    hans.map(lambda s: "“" + s + "”"),
    hans.map(lambda s: "《" + s + "》"),
    hans.map(lambda s: "（" + s + "）"),
    word, number,
    st.just(" "),
)
paragraphs = st.lists(token, min_size=1, max_size=40).map("".join)
styles = st.sampled_from(["quanjiao", "kaiming", "hangmo", "banjiao"])


def _adv(ch: str) -> float:
    return METRICS.advance(ch, "body") / EM


def _upper_width(text: str) -> float:
    """A generous natural width (em) of text on one line: advances plus a ¼-em gap at every
    Han/Latin meeting (the breaker may only make it narrower)."""
    w = sum(_adv(c) for c in text)
    for a, b in zip(text, text[1:]):
        if (a in HAN_SET and b.isascii() and b.isalnum()) or \
                (b in HAN_SET and a.isascii() and a.isalnum()):
            w += 0.25
    return w


def _han_cuts(text: str) -> list[int]:
    """Offsets between two Han characters: a break there is always allowed (§1 forbids
    nothing between two ideographs)."""
    return [i for i in range(1, len(text)) if text[i - 1] in HAN_SET and text[i] in HAN_SET]


def _counted(text: str) -> int:
    return sum(1 for c in text if c in HAN_SET or (c.isascii() and c.isalnum()))


def _pairs(text: str) -> list[tuple[int, int]]:
    out, i = [], 0
    while i < len(text) - 1:
        if text[i:i + 2] in ("——", "……"):
            out.append((i, i + 2))
            i += 2
        else:
            i += 1
    return out


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=paragraphs, width=st.integers(6, 80).map(lambda h: h / 2), style=styles,
       strict=st.booleans(), grid=st.booleans())
def test_properties(text, width, style, strict, grid):
    cfg = BreakSettings(indent=0, punctuation=style, strict=strict, grid=grid)
    W = width * EM
    lines = set_paragraph([Span(text)], W, METRICS, cfg)
    assert lines
    dump = "\n".join(f"{ln.text!r} last={ln.last} emergency={ln.emergency}" for ln in lines)

    # the text is kept: joined lines = input, except spaces dropped at breaks
    assert lines[0].start == 0 and lines[-1].end == len(text)
    rebuilt = []
    for i, ln in enumerate(lines):
        assert text[ln.start:ln.end] == ln.text, dump
        rebuilt.append(ln.text)
        if i + 1 < len(lines):
            dropped = text[ln.end:lines[i + 1].start]
            assert dropped.strip(" ") == "", dump
            rebuilt.append(dropped)
    assert "".join(rebuilt) == text
    assert [ln.last for ln in lines] == [False] * (len(lines) - 1) + [True]

    # geometry: inside the measure, x never backwards, justified lines flush
    for ln in lines:
        xs = [g.x for g in ln.glyphs]
        assert xs == sorted(xs), dump
        assert all(g.width >= -1e-9 for g in ln.glyphs), dump
        end = ln.glyphs[-1].x + ln.glyphs[-1].width
        assert end <= ln.measure + 1e-6, dump
        pure = all(c in HAN_SET for c in ln.text)        # Han characters only (§3 grid)
        if not ln.last and _counted_han(ln.text) >= 2 and not (grid and pure):
            assert abs(end - ln.measure) < 1e-6, f"not flush: {ln.text!r}\n{dump}"

    # —— and …… never split
    cuts = [ln.end for ln in lines[:-1]]
    for i, j in _pairs(text):
        assert not any(i < c < j for c in cuts), f"{text[i:j]} split\n{dump}"

    # emergencies only when unavoidable: if every stretch between two Han characters fits
    # the measure, breaking at those points alone is a valid setting
    bounds = [0] + _han_cuts(text) + [len(text)]
    all_fit = all(_upper_width(text[a:b]) <= width + 1e-9 for a, b in zip(bounds, bounds[1:]))
    if all_fit:
        assert not any(ln.emergency for ln in lines), f"needless emergency\n{dump}"

    # prohibitions (cjk-rules §1), except around a flagged emergency break
    for i in range(len(lines) - 1):
        a, b = lines[i], lines[i + 1]
        if a.emergency or b.emergency:
            continue
        assert a.text[-1] not in NEVER_END, f"line {i} ends with {a.text[-1]}\n{dump}"
        pair_start = b.text[:2] in ("——", "……")
        if pair_start:
            assert not strict, f"line {i + 1} starts with {b.text[:2]} (strict)\n{dump}"
        else:
            assert b.text[0] not in NEVER_START, f"line {i + 1} starts with {b.text[0]}\n{dump}"

    # 孤字 (cjk-rules §4): whenever a last line of 2+ characters can be had, it is
    if len(lines) > 1 and all_fit and not any(ln.emergency for ln in lines):
        possible = any(_counted(text[c:]) >= 2 and _upper_width(text[c:]) <= width + 1e-9
                       for c in _han_cuts(text))
        if possible:
            assert _counted(lines[-1].text) >= 2, f"孤字\n{dump}"
            assert not lines[-1].widow


def _counted_han(text: str) -> int:
    return sum(1 for c in text if c in HAN_SET)


@settings(max_examples=60, deadline=None)
@given(text=st.lists(han, min_size=1, max_size=120).map("".join),
       chars=st.integers(3, 40))
def test_pure_han_fills_every_line(text, chars):
    """Pure Han text on a measure of whole characters: every line but the last is full
    (exactly `chars` characters, no spacing added), the last holds the rest."""
    lines = set_paragraph([Span(text)], chars * EM, METRICS, BreakSettings(indent=0))
    full = len(text) // chars
    rest = len(text) - full * chars
    if 0 < rest < 2 and full:     # 孤字: the breaker pulls one character down
        assert len(lines[-1].text) == 2
    else:
        assert all(len(ln.text) == chars and ln.adjust == 0 for ln in lines[:-1])
    assert "".join(ln.text for ln in lines) == text


def _check_kept_and_inside(text, lines, last_width=None):
    assert lines[0].start == 0 and lines[-1].end == len(text)
    for i, ln in enumerate(lines):
        assert text[ln.start:ln.end] == ln.text
        if i + 1 < len(lines):
            assert text[ln.end:lines[i + 1].start].strip() == ""
        xs = [g.x for g in ln.glyphs]
        assert xs == sorted(xs)
        assert ln.glyphs[-1].x + ln.glyphs[-1].width <= ln.measure + 1e-6
    if last_width is not None:
        ll = lines[-1]
        assert ll.glyphs[-1].x + ll.glyphs[-1].width <= last_width + 1e-6


@settings(max_examples=150, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60),
       width=st.integers(3, 40), style=styles)
def test_any_unicode_is_kept_and_fits(text, width, style):
    """Whatever the text (emoji, combining marks, controls, other scripts), nothing is lost,
    reordered or drawn outside the measure."""
    lines = set_paragraph([Span(text)], width * EM, METRICS,
                          BreakSettings(indent=0, punctuation=style))
    _check_kept_and_inside(text, lines)


@settings(max_examples=100, deadline=None)
@given(text=paragraphs, widths=st.lists(st.integers(4, 30), min_size=1, max_size=4),
       last=st.one_of(st.none(), st.integers(3, 30)), indent=st.sampled_from([0, 2]),
       cut=st.integers(0, 40))
def test_widths_last_width_and_spans(text, widths, last, indent, cut):
    """Line i is set to widths[i] (the last repeats), the last line fits last_width, the
    first line's indent is inside its measure, and a style change (a span boundary) anywhere,
    even inside a word, changes nothing about what may break."""
    W = [w * EM for w in widths]
    lw = None if last is None else max(last, 2) * EM
    cut = min(cut, len(text))
    spans = [Span(text[:cut], "body"), Span(text[cut:], "bold")]
    cfg = BreakSettings(indent=indent)
    lines = set_paragraph(spans, W, METRICS, cfg, last_width=lw)
    _check_kept_and_inside(text, lines, lw)
    for i, ln in enumerate(lines):
        expect = W[min(i, len(W) - 1)]
        if ln.last and lw is not None:
            expect = min(expect, lw)
        assert ln.measure == expect
    assert lines[0].glyphs[0].x >= indent * EM - 0.5 * EM - 1e-9   # (a bracket may hang ½ em)
    assert [g.style for ln in lines for g in ln.glyphs] == \
        [("body" if k < cut else "bold") for ln in lines for k in range(ln.start, ln.end)]
    single = set_paragraph([Span(text)], W, METRICS, cfg, last_width=lw)
    assert [ln.text for ln in single] == [ln.text for ln in lines]
